var ae,v,Fe,gt,D,Pe,Le,Oe,fe,ee,J,He,$e,he,ge,$t,oe={},re=[],bt=/acit|ex(?:s|g|n|p|$)|rph|grid|ows|mnc|ntw|ine[ch]|zoo|^ord|itera/i,ie=Array.isArray;function P(e,t){for(var n in t)e[n]=t[n];return e}function be(e){e&&e.parentNode&&e.parentNode.removeChild(e)}function H(e,t,n){var r,i,o,a={};for(o in t)o=="key"?r=t[o]:o=="ref"?i=t[o]:a[o]=t[o];if(arguments.length>2&&(a.children=arguments.length>3?ae.call(arguments,2):n),typeof e=="function"&&e.defaultProps!=null)for(o in e.defaultProps)a[o]===void 0&&(a[o]=e.defaultProps[o]);return te(e,a,r,i,null)}function te(e,t,n,r,i){var o={type:e,props:t,key:n,ref:r,__k:null,__:null,__b:0,__e:null,__c:null,constructor:void 0,__v:i??++Fe,__i:-1,__u:0};return i==null&&v.vnode!=null&&v.vnode(o),o}function ce(e){return e.children}function ne(e,t){this.props=e,this.context=t}function O(e,t){if(t==null)return e.__?O(e.__,e.__i+1):null;for(var n;t<e.__k.length;t++)if((n=e.__k[t])!=null&&n.__e!=null)return n.__e;return typeof e.type=="function"?O(e):null}function vt(e){if(e.__P&&e.__d){var t=e.__v,n=t.__e,r=[],i=[],o=P({},t);o.__v=t.__v+1,v.vnode&&v.vnode(o),ve(e.__P,o,t,e.__n,e.__P.namespaceURI,32&t.__u?[n]:null,r,n??O(t),!!(32&t.__u),i),o.__v=t.__v,o.__.__k[o.__i]=o,qe(r,o,i),t.__e=t.__=null,o.__e!=n&&We(o)}}function We(e){if((e=e.__)!=null&&e.__c!=null)return e.__e=e.__c.base=null,e.__k.some(function(t){if(t!=null&&t.__e!=null)return e.__e=e.__c.base=t.__e}),We(e)}function Me(e){(!e.__d&&(e.__d=!0)&&D.push(e)&&!se.__r++||Pe!=v.debounceRendering)&&((Pe=v.debounceRendering)||Le)(se)}function se(){try{for(var e,t=1;D.length;)D.length>t&&D.sort(Oe),e=D.shift(),t=D.length,vt(e)}finally{D.length=se.__r=0}}function je(e,t,n,r,i,o,a,l,u,c,_){var d,s,p,h,$,b,m=r&&r.__k||re,f=t.length;for(u=xt(n,t,m,u,f),d=0;d<f;d++)(p=n.__k[d])!=null&&(s=p.__i!=-1&&m[p.__i]||oe,p.__i=d,b=ve(e,p,s,i,o,a,l,u,c,_),h=p.__e,p.ref&&s.ref!=p.ref&&(s.ref&&xe(s.ref,null,p),_.push(p.ref,p.__c||h,p)),$==null&&h!=null&&($=h),4&p.__u?(u=Be(p,u,e),s.__e&&(s.__e=null)):typeof p.type=="function"&&b!==void 0?u=b:h&&(u=h.nextSibling),p.__u&=-7);return n.__e=$,u}function xt(e,t,n,r,i){var o,a,l,u,c,_=n.length,d=_,s=0;for(e.__k=new Array(i),o=0;o<i;o++)(a=t[o])!=null&&typeof a!="boolean"&&typeof a!="function"?(typeof a=="string"||typeof a=="number"||typeof a=="bigint"||a.constructor==String?a=e.__k[o]=te(null,a,null,null,null):ie(a)?a=e.__k[o]=te(ce,{children:a},null,null,null):a.constructor===void 0&&a.__b>0?a=e.__k[o]=te(a.type,a.props,a.key,a.ref?a.ref:null,a.__v):e.__k[o]=a,u=o+s,a.__=e,a.__b=e.__b+1,l=null,(c=a.__i=yt(a,n,u,d))!=-1&&(d--,(l=n[c])&&(l.__u|=2)),l==null||l.__v==null?(c==-1&&(i>_?s--:i<_&&s++),typeof a.type!="function"&&(a.__u|=4)):c!=u&&(c==u-1?s--:c==u+1?s++:(c>u?s--:s++,a.__u|=4))):e.__k[o]=null;if(d)for(o=0;o<_;o++)(l=n[o])!=null&&(2&l.__u)==0&&(l.__e==r&&(r=O(l)),Ge(l,l));return r}function Be(e,t,n){var r,i;if(typeof e.type=="function"){for(r=e.__k,i=0;r&&i<r.length;i++)r[i]&&(r[i].__=e,t=Be(r[i],t,n));return t}e.__e!=t&&(t&&e.type&&!t.parentNode&&(t=O(e)),t=n.insertBefore(e.__e,t||null));do t=t&&t.nextSibling;while(t!=null&&t.nodeType==8);return t}function yt(e,t,n,r){var i,o,a,l=e.key,u=e.type,c=t[n],_=c!=null&&(2&c.__u)==0;if(c===null&&l==null||_&&l==c.key&&u==c.type)return n;if(r>(_?1:0)){for(i=n-1,o=n+1;i>=0||o<t.length;)if((c=t[a=i>=0?i--:o++])!=null&&(2&c.__u)==0&&l==c.key&&u==c.type)return a}return-1}function Ne(e,t,n){t[0]=="-"?e.setProperty(t,n??""):e[t]=n==null?"":typeof n!="number"||bt.test(t)?n:n+"px"}function Y(e,t,n,r,i){var o,a;e:if(t=="style")if(typeof n=="string")e.style.cssText=n;else{if(typeof r=="string"&&(e.style.cssText=r=""),r)for(t in r)n&&t in n||Ne(e.style,t,"");if(n)for(t in n)r&&n[t]==r[t]||Ne(e.style,t,n[t])}else if(t[0]=="o"&&t[1]=="n")o=t!=(t=t.replace(He,"$1")),a=t.toLowerCase(),t=a in e||t=="onFocusOut"||t=="onFocusIn"?a.slice(2):t.slice(2),e.l||(e.l={}),e.l[t+o]=n,n?r?n[J]=r[J]:(n[J]=$e,e.addEventListener(t,o?ge:he,o)):e.removeEventListener(t,o?ge:he,o);else{if(i=="http://www.w3.org/2000/svg")t=t.replace(/xlink(H|:h)/,"h").replace(/sName$/,"s");else if(t!="width"&&t!="height"&&t!="href"&&t!="list"&&t!="form"&&t!="tabIndex"&&t!="download"&&t!="rowSpan"&&t!="colSpan"&&t!="role"&&t!="popover"&&t in e)try{e[t]=n??"";break e}catch{}typeof n=="function"||(n==null||n===!1&&t[4]!="-"?e.removeAttribute(t):e.setAttribute(t,t=="popover"&&n==1?"":n))}}function De(e){return function(t){if(this.l){var n=this.l[t.type+e];if(t[ee]==null)t[ee]=$e++;else if(t[ee]<n[J])return;return n(v.event?v.event(t):t)}}}function ve(e,t,n,r,i,o,a,l,u,c){var _,d,s,p,h,$,b,m,f,S,T,L,G,Ae,X,me,I=t.type;if(t.constructor!==void 0)return null;128&n.__u&&(u=!!(32&n.__u),o=[l=t.__e=n.__e]),(_=v.__b)&&_(t);e:if(typeof I=="function"){d=a.length;try{if(f=t.props,S=I.prototype&&I.prototype.render,T=(_=I.contextType)&&r[_.__c],L=_?T?T.props.value:_.__:r,n.__c?m=(s=t.__c=n.__c).__=s.__E:(S?t.__c=s=new I(f,L):(t.__c=s=new ne(f,L),s.constructor=I,s.render=wt),T&&T.sub(s),s.state||(s.state={}),s.__n=r,p=s.__d=!0,s.__h=[],s._sb=[]),S&&s.__s==null&&(s.__s=s.state),S&&I.getDerivedStateFromProps!=null&&(s.__s==s.state&&(s.__s=P({},s.__s)),P(s.__s,I.getDerivedStateFromProps(f,s.__s))),h=s.props,$=s.state,s.__v=t,p)S&&I.getDerivedStateFromProps==null&&s.componentWillMount!=null&&s.componentWillMount(),S&&s.componentDidMount!=null&&s.__h.push(s.componentDidMount);else{if(S&&I.getDerivedStateFromProps==null&&f!==h&&s.componentWillReceiveProps!=null&&s.componentWillReceiveProps(f,L),t.__v==n.__v||!s.__e&&s.shouldComponentUpdate!=null&&s.shouldComponentUpdate(f,s.__s,L)===!1){t.__v!=n.__v&&(s.props=f,s.state=s.__s,s.__d=!1),t.__e=n.__e,t.__k=n.__k,t.__k.some(function(V){V&&(V.__=t)}),re.push.apply(s.__h,s._sb),s._sb=[],s.__h.length&&a.push(s),l=O(n);break e}s.componentWillUpdate!=null&&s.componentWillUpdate(f,s.__s,L),S&&s.componentDidUpdate!=null&&s.__h.push(function(){s.componentDidUpdate(h,$,b)})}if(s.context=L,s.props=f,s.__P=e,s.__e=!1,G=v.__r,Ae=0,S)s.state=s.__s,s.__d=!1,G&&G(t),_=s.render(s.props,s.state,s.context),re.push.apply(s.__h,s._sb),s._sb=[];else do s.__d=!1,G&&G(t),_=s.render(s.props,s.state,s.context),s.state=s.__s;while(s.__d&&++Ae<25);s.state=s.__s,s.getChildContext!=null&&(r=P(P({},r),s.getChildContext())),S&&!p&&s.getSnapshotBeforeUpdate!=null&&(b=s.getSnapshotBeforeUpdate(h,$)),X=_!=null&&_.type===ce&&_.key==null?ze(_.props.children):_,l=je(e,ie(X)?X:[X],t,n,r,i,o,a,l,u,c),s.base=t.__e,t.__u&=-161,s.__h.length&&a.push(s),m&&(s.__E=s.__=null)}catch(V){if(a.length=d,t.__v=null,u||o!=null){if(V.then){for(t.__u|=u?160:128;l&&l.nodeType==8&&l.nextSibling;)l=l.nextSibling;o!=null&&(o[o.indexOf(l)]=null),t.__e=l}else if(o!=null)for(me=o.length;me--;)be(o[me])}else t.__e=n.__e;t.__k==null&&(t.__k=n.__k||[]),V.then||Ve(t),v.__e(V,t,n)}}else o==null&&t.__v==n.__v?(t.__k=n.__k,t.__e=n.__e):l=t.__e=kt(n.__e,t,n,r,i,o,a,u,c);return(_=v.diffed)&&_(t),128&t.__u?void 0:l}function Ve(e){e&&(e.__c&&(e.__c.__e=!0),e.__k&&e.__k.some(Ve))}function qe(e,t,n){for(var r=0;r<n.length;r++)xe(n[r],n[++r],n[++r]);v.__c&&v.__c(t,e),e.some(function(i){try{e=i.__h,i.__h=[],e.some(function(o){o.call(i)})}catch(o){v.__e(o,i.__v)}})}function ze(e){return typeof e!="object"||e==null||e.__b>0?e:ie(e)?e.map(ze):e.constructor!==void 0?null:P({},e)}function kt(e,t,n,r,i,o,a,l,u){var c,_,d,s,p,h,$,b=n.props||oe,m=t.props,f=t.type;if(f=="svg"?i="http://www.w3.org/2000/svg":f=="math"?i="http://www.w3.org/1998/Math/MathML":i||(i="http://www.w3.org/1999/xhtml"),o!=null){for(c=0;c<o.length;c++)if((p=o[c])&&"setAttribute"in p==!!f&&(f?p.localName==f:p.nodeType==3)){e=p,o[c]=null;break}}if(e==null){if(f==null)return document.createTextNode(m);e=document.createElementNS(i,f,m.is&&m),l&&(v.__m&&v.__m(t,o),l=!1),o=null}if(f==null)b===m||l&&e.data==m||(e.data=m);else{if(o=f=="textarea"&&m.defaultValue!=null?null:o&&ae.call(e.childNodes),!l&&o!=null)for(b={},c=0;c<e.attributes.length;c++)b[(p=e.attributes[c]).name]=p.value;for(c in b)p=b[c],c=="dangerouslySetInnerHTML"?d=p:c=="children"||c in m||c=="value"&&"defaultValue"in m||c=="checked"&&"defaultChecked"in m||Y(e,c,null,p,i);for(c in m)p=m[c],c=="children"?s=p:c=="dangerouslySetInnerHTML"?_=p:c=="value"?h=p:c=="checked"?$=p:l&&typeof p!="function"||b[c]===p||Y(e,c,p,b[c],i);if(_)l||d&&(_.__html==d.__html||_.__html==e.innerHTML)||(e.innerHTML=_.__html),t.__k=[];else if(d&&(e.innerHTML=""),je(t.type=="template"?e.content:e,ie(s)?s:[s],t,n,r,f=="foreignObject"?"http://www.w3.org/1999/xhtml":i,o,a,o?o[0]:n.__k&&O(n,0),l,u),o!=null)for(c=o.length;c--;)be(o[c]);l&&f!="textarea"||(c="value",f=="progress"&&h==null?e.removeAttribute("value"):h!=null&&(h!==e[c]||f=="progress"&&!h||f=="option"&&h!=b[c])&&Y(e,c,h,b[c],i),c="checked",$!=null&&$!=e[c]&&Y(e,c,$,b[c],i))}return e}function xe(e,t,n){try{if(typeof e=="function"){var r=typeof e.__u=="function";r&&e.__u(),r&&t==null||(e.__u=e(t))}else e.current=t}catch(i){v.__e(i,n)}}function Ge(e,t,n){var r,i;if(v.unmount&&v.unmount(e),(r=e.ref)&&(r.current&&r.current!=e.__e||xe(r,null,t)),(r=e.__c)!=null){if(r.componentWillUnmount)try{r.componentWillUnmount()}catch(o){v.__e(o,t)}r.base=r.__P=r.__n=null}if(r=e.__k)for(i=0;i<r.length;i++)r[i]&&Ge(r[i],t,n||typeof e.type!="function");n||be(e.__e),e.__c=e.__=e.__e=void 0}function wt(e,t,n){return this.constructor(e,n)}function Je(e,t,n){var r,i,o,a;t==document&&(t=document.documentElement),v.__&&v.__(e,t),i=(r=typeof n=="function")?null:n&&n.__k||t.__k,o=[],a=[],ve(t,e=(!r&&n||t).__k=H(ce,null,[e]),i||oe,oe,t.namespaceURI,!r&&n?[n]:i?null:t.firstChild?ae.call(t.childNodes):null,o,!r&&n?n:i?i.__e:t.firstChild,r,a),qe(o,e,a),e.props.children=null}ae=re.slice,v={__e:function(e,t,n,r){for(var i,o,a;t=t.__;)if((i=t.__c)&&!i.__)try{if((o=i.constructor)&&o.getDerivedStateFromError!=null&&(i.setState(o.getDerivedStateFromError(e)),a=i.__d),i.componentDidCatch!=null&&(i.componentDidCatch(e,r||{}),a=i.__d),a)return i.__E=i}catch(l){e=l}throw e}},Fe=0,gt=function(e){return e!=null&&e.constructor===void 0},ne.prototype.setState=function(e,t){var n;n=this.__s!=null&&this.__s!=this.state?this.__s:this.__s=P({},this.state),typeof e=="function"&&(e=e(P({},n),this.props)),e&&P(n,e),e!=null&&this.__v&&(t&&this._sb.push(t),Me(this))},ne.prototype.forceUpdate=function(e){this.__v&&(this.__e=!0,e&&this.__h.push(e),Me(this))},ne.prototype.render=ce,D=[],Le=typeof Promise=="function"?Promise.prototype.then.bind(Promise.resolve()):setTimeout,Oe=function(e,t){return e.__v.__b-t.__v.__b},se.__r=0,fe=Math.random().toString(8),ee="__d"+fe,J="__a"+fe,He=/(PointerCapture)$|Capture$/i,$e=0,he=De(!1),ge=De(!0),$t=0;var Q,y,ye,Qe,ue=0,ot=[],w=v,Ze=w.__b,Ke=w.__r,Xe=w.diffed,Ye=w.__c,et=w.unmount,tt=w.__;function we(e,t){w.__h&&w.__h(y,e,ue||t),ue=0;var n=y.__H||(y.__H={__:[],__h:[]});return e>=n.__.length&&n.__.push({}),n.__[e]}function k(e){return ue=1,St(at,e)}function St(e,t,n){var r=we(Q++,2);if(r.t=e,!r.__c&&(r.__=[n?n(t):at(void 0,t),function(l){var u=r.__N?r.__N[0]:r.__[0],c=r.t(u,l);u!==c&&(r.__N=[c,r.__[1]],r.__c.setState({}))}],r.__c=y,!y.__f)){var i=function(l,u,c){if(!r.__c.__H)return!0;var _=!1,d=r.__c.props!==l;if(r.__c.__H.__.some(function(p){if(p.__N){_=!0;var h=p.__[0];p.__=p.__N,p.__N=void 0,h!==p.__[0]&&(d=!0)}}),o){var s=o.call(this,l,u,c);return _?s||d:s}return!_||d};y.__f=!0;var o=y.shouldComponentUpdate,a=y.componentWillUpdate;y.componentWillUpdate=function(l,u,c){if(this.__e){var _=o;o=void 0,i(l,u,c),o=_}a&&a.call(this,l,u,c)},y.shouldComponentUpdate=i}return r.__N||r.__}function U(e,t){var n=we(Q++,3);!w.__s&&st(n.__H,t)&&(n.__=e,n.u=t,y.__H.__h.push(n))}function rt(e){return ue=5,Se(function(){return{current:e}},[])}function Se(e,t){var n=we(Q++,7);return st(n.__H,t)&&(n.__=e(),n.__H=t,n.__h=e),n.__}function Ct(){for(var e;e=ot.shift();){var t=e.__H;if(e.__P&&t)try{t.__h.some(le),t.__h.some(ke),t.__h=[]}catch(n){t.__h=[],w.__e(n,e.__v)}}}w.__b=function(e){y=null,Ze&&Ze(e)},w.__=function(e,t){e&&t.__k&&t.__k.__m&&(e.__m=t.__k.__m),tt&&tt(e,t)},w.__r=function(e){Ke&&Ke(e),Q=0;var t=(y=e.__c).__H;t&&(ye===y?(t.__h=[],y.__h=[],t.__.some(function(n){n.__N&&(n.__=n.__N),n.u=n.__N=void 0})):(t.__h.some(le),t.__h.some(ke),t.__h=[],Q=0)),ye=y},w.diffed=function(e){Xe&&Xe(e);var t=e.__c;t&&t.__H&&(t.__H.__h.length&&(ot.push(t)!==1&&Qe===w.requestAnimationFrame||((Qe=w.requestAnimationFrame)||Rt)(Ct)),t.__H.__.some(function(n){n.u&&(n.__H=n.u,n.u=void 0)})),ye=y=null},w.__c=function(e,t){t.some(function(n){try{n.__h.some(le),n.__h=n.__h.filter(function(r){return!r.__||ke(r)})}catch(r){t.some(function(i){i.__h&&(i.__h=[])}),t=[],w.__e(r,n.__v)}}),Ye&&Ye(e,t)},w.unmount=function(e){et&&et(e);var t,n=e.__c;n&&n.__H&&(n.__H.__.some(function(r){try{le(r)}catch(i){t=i}}),n.__H=void 0,t&&w.__e(t,n.__v))};var nt=typeof requestAnimationFrame=="function";function Rt(e){var t,n=function(){clearTimeout(r),nt&&cancelAnimationFrame(t),setTimeout(e)},r=setTimeout(n,35);nt&&(t=requestAnimationFrame(n))}function le(e){var t=y,n=e.__c;typeof n=="function"&&(e.__c=void 0,n()),y=t}function ke(e){var t=y;e.__c=e.__(),y=t}function st(e,t){return!e||e.length!==t.length||t.some(function(n,r){return n!==e[r]})}function at(e,t){return typeof t=="function"?t(e):t}var ct=function(e,t,n,r){var i;t[0]=0;for(var o=1;o<t.length;o++){var a=t[o++],l=t[o]?(t[0]|=a?1:2,n[t[o++]]):t[++o];a===3?r[0]=l:a===4?r[1]=Object.assign(r[1]||{},l):a===5?(r[1]=r[1]||{})[t[++o]]=l:a===6?r[1][t[++o]]+=l+"":a?(i=e.apply(l,ct(e,l,n,["",null])),r.push(i),l[0]?t[0]|=2:(t[o-2]=0,t[o]=i)):r.push(l)}return r},it=new Map;function q(e){var t=it.get(this);return t||(t=new Map,it.set(this,t)),(t=ct(this,t.get(e)||(t.set(e,t=(function(n){for(var r,i,o=1,a="",l="",u=[0],c=function(s){o===1&&(s||(a=a.replace(/^\s*\n\s*|\s*\n\s*$/g,"")))?u.push(0,s,a):o===3&&(s||a)?(u.push(3,s,a),o=2):o===2&&a==="..."&&s?u.push(4,s,0):o===2&&a&&!s?u.push(5,0,!0,a):o>=5&&((a||!s&&o===5)&&(u.push(o,0,a,i),o=6),s&&(u.push(o,s,0,i),o=6)),a=""},_=0;_<n.length;_++){_&&(o===1&&c(),c(_));for(var d=0;d<n[_].length;d++)r=n[_][d],o===1?r==="<"?(c(),u=[u],o=3):a+=r:o===4?a==="--"&&r===">"?(o=1,a=""):a=r+a[0]:l?r===l?l="":a+=r:r==='"'||r==="'"?l=r:r===">"?(c(),o=1):o&&(r==="="?(o=5,i=a,a=""):r==="/"&&(o<5||n[_][d+1]===">")?(c(),o===3&&(u=u[0]),o=u,(u=u[0]).push(2,0,o),o=0):r===" "||r==="	"||r===`
`||r==="\r"?(c(),o=2):a+=r),o===3&&a==="!--"&&(o=4,u=u[0])}return c(),u})(e)),t),arguments,[])).length>1?t:t[0]}var Ce="stoke.token",F={token:()=>sessionStorage.getItem(Ce)||"",signIn:e=>sessionStorage.setItem(Ce,e.trim()),signOut:()=>sessionStorage.removeItem(Ce)},W=class extends Error{constructor(t,n){super(n),this.status=t}};function Re(e){let t=F.token();return t?{Authorization:"Bearer "+t,...e}:{...e}}async function Ee(e){let t=e.statusText;try{let n=await e.json();t=n.message||n.msg||t}catch{}return new W(e.status,t)}async function de(e){let t=await fetch(e,{headers:Re()});if(!t.ok)throw await Ee(t);return t.json()}async function A(e,t){let n=await fetch(e,{method:"POST",headers:Re({"Content-Type":"application/json"}),body:t===void 0?void 0:JSON.stringify(t)});if(!n.ok)throw await Ee(n);return n.json()}async function Te(e,t,n){let r=await fetch(e,{headers:Re(),signal:t});if(!r.ok)throw await Ee(r);let i=r.body.getReader(),o=new TextDecoder;for(;;){let{value:a,done:l}=await i.read();if(l)return;n(o.decode(a,{stream:!0}))}}function lt(e,t,n){let r=new AbortController,i=!1;return(async()=>{for(;!i;){try{t("RESET");let a="";await Te(e+(e.includes("?")?"&":"?")+"watch=true",r.signal,l=>{a+=l;let u;for(;(u=a.indexOf(`

`))>=0;){let c=a.slice(0,u);a=a.slice(u+2);let _="",d="";for(let s of c.split(`
`))s.startsWith("event: ")?_=s.slice(7):s.startsWith("data: ")&&(d+=s.slice(6));_&&t(_,d?JSON.parse(d):null)}})}catch(a){if(i||(n(a),a instanceof W&&a.status<500))return}await new Promise(a=>setTimeout(a,1e3))}})(),()=>{i=!0,r.abort()}}var pe=q.bind(H),C=e=>`/api/v1/namespaces/${encodeURIComponent(e)}`,M=e=>{location.hash=e},Et=e=>"phase phase-"+(e||"Pending").toLowerCase();function j({phase:e}){return pe`<span class=${Et(e)} data-phase=${e||"Pending"}>${e||"Pending"}</span>`}function _e(e){if(!e)return"";let t=Math.max(0,(Date.now()-new Date(e).getTime())/1e3);return t<60?`${Math.floor(t)}s`:t<3600?`${Math.floor(t/60)}m`:t<86400?`${Math.floor(t/3600)}h`:`${Math.floor(t/86400)}d`}function R(e){return e?new Date(e).toLocaleString():"\u2013"}function E({error:e}){if(!e)return null;let t=e instanceof W&&e.status===403;return pe`<div class="problem" data-status=${e.status||""} role="alert">
    <strong>${t?"Forbidden":e.status?`Error ${e.status}`:"Error"}</strong> ${e.message}
  </div>`}function N(e){let[t,n]=k({items:new Map,synced:!1,error:null});return U(()=>{let r=new Map,i=!1,o=(l=null)=>n({items:new Map(r),synced:i,error:l});return lt(e,(l,u)=>{switch(l){case"RESET":r=new Map,i=!1;return;case"SYNCED":i=!0;break;case"ADDED":case"MODIFIED":if(r.set(u.metadata.name,u),!i)return;break;case"DELETED":r.delete(u.metadata.name);break;case"ERROR":return o(new Error(u&&u.message))}o()},l=>{l instanceof W&&l.status===401&&(F.signOut(),M("#/signin")),o(l)})},[e]),t}function z({rows:e}){return pe`<dl class="fields">${e.filter(([,t])=>t!=null&&t!=="").map(([t,n])=>pe`<dt>${t}</dt><dd>${n}</dd>`)}</dl>`}var x=q.bind(H);function Tt(e,t){let n=new Set(e.dependencies||[]);for(let r of(e.depends||"").match(/[A-Za-z0-9][A-Za-z0-9-]*/g)||[])t.has(r)&&n.add(r);return[...n]}function It(e){var l;let t=new Set(e.map(u=>u.name)),n=new Map(e.map(u=>[u.name,Tt(u,t)])),r=new Map,i=(u,c=new Set)=>{if(r.has(u))return r.get(u);if(c.has(u))return 0;c.add(u);let _=Math.max(-1,...n.get(u).map(d=>i(d,c)))+1;return r.set(u,_),_};e.forEach(u=>i(u.name));let o=[];for(let u of e)(o[l=r.get(u.name)]||(o[l]=[])).push(u.name);let a=new Map;return o.forEach((u,c)=>u.forEach((_,d)=>a.set(_,{x:c,y:d}))),{pos:a,deps:n,columns:o.length,rows:Math.max(1,...o.map(u=>u.length))}}function Ut(e,t){let n=t.filter(o=>o.name===e||o.step===e);if(n.length===0)return{phase:"Pending",items:0};if(n.length===1&&n[0].name===e)return{phase:n[0].phase,items:0,status:n[0]};let r=o=>n.filter(a=>a.phase===o).length;return{phase:r("Failed")||r("Error")?"Failed":r("Running")?"Running":r("Succeeded")===n.length?"Succeeded":"Pending",items:n.length,done:r("Succeeded")}}var Z=170,B=46,K=70,Ie=22;function At({workflow:e}){let t=e.spec.steps||[],n=e.status&&e.status.steps||[],{pos:r,deps:i,columns:o,rows:a}=It(t),l=_=>({x:10+r.get(_).x*(Z+K),y:10+r.get(_).y*(B+Ie)}),u=20+o*(Z+K)-K,c=20+a*(B+Ie)-Ie;return x`<svg class="dag" id="graph" width=${u} height=${c} viewBox=${`0 0 ${u} ${c}`}>
    ${t.flatMap(_=>i.get(_.name).map(d=>{let s=l(d),p=l(_.name);return x`<path class="edge" data-edge=${`${d}->${_.name}`}
        d=${`M${s.x+Z},${s.y+B/2} C${s.x+Z+K/2},${s.y+B/2} ${p.x-K/2},${p.y+B/2} ${p.x},${p.y+B/2}`} />`}))}
    ${t.map(_=>{let{x:d,y:s}=l(_.name),p=Ut(_.name,n);return x`<g class=${"node phase-"+p.phase.toLowerCase()} data-step=${_.name} data-phase=${p.phase} transform=${`translate(${d},${s})`}>
        <rect width=${Z} height=${B} rx="6" />
        <text x="10" y="19" class="name">${_.name}</text>
        <text x="10" y="36" class="sub">${p.phase}${p.items?` \xB7 ${p.done}/${p.items} items`:""}</text>
      </g>`})}
  </svg>`}function ut({ns:e}){let{items:t,synced:n,error:r}=N(`${C(e)}/workflows`),i=[...t.values()].sort((o,a)=>a.metadata.creationTimestamp.localeCompare(o.metadata.creationTimestamp));return x`<main>
    <div class="toolbar"><h1>Workflows <span class="muted">in ${e}</span></h1>
      <span class=${n?"live on":"live"}>${n?"live":"connecting"}</span></div>
    <${E} error=${r} />
    ${!r&&x`<table id="workflows"><thead><tr><th>Name</th><th>Phase</th><th>Steps done</th><th>Running</th><th>Failed</th><th>Age</th></tr></thead>
      <tbody>${i.map(o=>{let a=o.status&&o.status.progress||{};return x`<tr data-workflow=${o.metadata.name}>
          <td><a href=${`#/ns/${encodeURIComponent(e)}/workflows/${encodeURIComponent(o.metadata.name)}`}>${o.metadata.name}</a></td>
          <td><${j} phase=${o.status&&o.status.phase} /></td><td>${a.succeeded||0}/${a.total||(o.spec.steps||[]).length}</td>
          <td>${a.running||0}</td><td>${a.failed||0}</td><td>${_e(o.metadata.creationTimestamp)}</td></tr>`})}</tbody></table>`}
  </main>`}function dt({ns:e,name:t}){let{items:n,synced:r,error:i}=N(`${C(e)}/workflows?q=${encodeURIComponent(t)}`),[o,a]=k(null),l=n.get(t);if(i)return x`<main><${E} error=${i} /></main>`;if(!l)return x`<main><p class="muted">${r?`No workflow ${t} in ${e}.`:"Loading\u2026"}</p></main>`;let u=l.status||{},c=_=>A(`${C(e)}/workflows/${encodeURIComponent(t)}/${_}`).then(()=>a(null),a);return x`<main class="detail" data-workflow=${t}>
    <div class="toolbar">
      <h1><a href=${`#/ns/${encodeURIComponent(e)}/workflows`}>Workflows</a> / ${t}</h1>
      <${j} phase=${u.phase} />
      <span class="actions">${l.spec.suspend?x`<button onClick=${()=>c("resume")}>Resume</button>`:x`<button onClick=${()=>c("suspend")}>Suspend</button>`}</span>
    </div>
    <${E} error=${o} />
    <section class="graph"><${At} workflow=${l} /></section>
    <section>
      <h2>Steps</h2>
      <table id="steps"><thead><tr><th>Step</th><th>Phase</th><th>Application</th><th>Attempt</th><th>Exit code</th><th>Started</th><th>Ended</th><th>Message</th></tr></thead>
        <tbody>${(u.steps||[]).map(_=>x`<tr data-step=${_.name}>
          <td>${_.name}</td><td><${j} phase=${_.phase} /></td>
          <td>${_.application?x`<a href=${`#/ns/${encodeURIComponent(e)}/apps/${encodeURIComponent(_.application)}`}>${_.application}</a>`:"\u2013"}</td>
          <td>${_.attempt||"\u2013"}</td><td>${_.exitCode??"\u2013"}</td><td>${R(_.startTime)}</td><td>${R(_.endTime)}</td><td>${_.message||""}</td></tr>`)}
        </tbody></table>
    </section>
  </main>`}function pt({ns:e}){let{items:t,synced:n,error:r}=N(`${C(e)}/schedules`),i=[...t.values()].sort((o,a)=>o.metadata.name.localeCompare(a.metadata.name));return x`<main>
    <div class="toolbar"><h1>Schedules <span class="muted">in ${e}</span></h1>
      <span class=${n?"live on":"live"}>${n?"live":"connecting"}</span></div>
    <${E} error=${r} />
    ${!r&&x`<table id="schedules"><thead><tr><th>Name</th><th>Schedule</th><th>Time zone</th><th>State</th><th>Last run</th><th>Next run</th><th>Active</th></tr></thead>
      <tbody>${i.map(o=>x`<tr data-schedule=${o.metadata.name}>
        <td><a href=${`#/ns/${encodeURIComponent(e)}/schedules/${encodeURIComponent(o.metadata.name)}`}>${o.metadata.name}</a></td>
        <td><code>${[o.spec.schedule,...o.spec.additionalSchedules||[]].join(", ")}</code></td><td>${o.spec.timeZone||"UTC"}</td>
        <td>${o.spec.suspend?"Suspended":o.status&&o.status.phase||"Scheduling"}</td>
        <td>${R(o.status&&o.status.lastScheduleTime)}</td><td data-next>${R(o.status&&o.status.nextScheduleTime)}</td>
        <td>${(o.status&&o.status.active||[]).length}</td></tr>`)}
      </tbody></table>`}
  </main>`}function _t({ns:e,name:t}){let{items:n,synced:r,error:i}=N(`${C(e)}/schedules?q=${encodeURIComponent(t)}`),[o,a]=k(null),[l,u]=k(null),[c,_]=k({from:"",to:"",parallelism:1}),d=n.get(t);if(i)return x`<main><${E} error=${i} /></main>`;if(!d)return x`<main><p class="muted">${r?`No schedule ${t} in ${e}.`:"Loading\u2026"}</p></main>`;let s=d.status||{},p=`${C(e)}/schedules/${encodeURIComponent(t)}`,h=f=>{a(f.message),u(null)},$=f=>{a(null),u(f)},b=f=>{f.preventDefault(),A(`${p}/backfill`,{from:c.from,to:c.to,parallelism:Number(c.parallelism)||1}).then(h,$)},m=f=>S=>_({...c,[f]:S.target.value});return x`<main class="detail" data-schedule=${t}>
    <div class="toolbar">
      <h1><a href=${`#/ns/${encodeURIComponent(e)}/schedules`}>Schedules</a> / ${t}</h1>
      <span class="actions">
        <button id="run-now" disabled=${d.spec.suspend} onClick=${()=>A(`${p}/run-now`).then(h,$)}>Run now</button>
        ${d.spec.suspend?x`<button onClick=${()=>A(`${p}/resume`).then(h,$)}>Resume</button>`:x`<button onClick=${()=>A(`${p}/suspend`).then(h,$)}>Suspend</button>`}
      </span>
    </div>
    <${E} error=${l} />
    ${o&&x`<p class="notice" id="result">${o}</p>`}
    <div class="columns">
      <section><h2>Schedule</h2><${z} rows=${[["Cron",[d.spec.schedule,...d.spec.additionalSchedules||[]].join(", ")],["Time zone",d.spec.timeZone||"UTC"],["Concurrency",d.spec.concurrencyPolicy||"Allow"],["Runs",d.spec.template.workflow?"a workflow":"an application"],["Suspended",d.spec.suspend?"yes":"no"]]} /></section>
      <section><h2>Status</h2><${z} rows=${[["Last run",R(s.lastScheduleTime)],["Next run",R(s.nextScheduleTime)],["Active",(s.active||[]).join(", ")||"none"],["Failures in a row",String(s.consecutiveFailures||0)],["Backfill",s.backfill&&`${s.backfill.started} started${s.backfill.complete?", complete":""}`]]} /></section>
    </div>
    <section>
      <h2>Backfill</h2>
      <form class="inline" id="backfill" onSubmit=${b}>
        <label>From <input id="from" placeholder="2026-11-01" value=${c.from} onInput=${m("from")} /></label>
        <label>To <input id="to" placeholder="2026-11-30" value=${c.to} onInput=${m("to")} /></label>
        <label>At once <input id="parallelism" type="number" min="1" max="100" value=${c.parallelism} onInput=${m("parallelism")} /></label>
        <button type="submit">Backfill</button>
      </form>
    </section>
    <section>
      <h2>Recent runs</h2>
      <table id="runs"><thead><tr><th>Run</th><th>Logical time</th><th>Trigger</th><th>Outcome</th><th>Finished</th><th>Message</th></tr></thead>
        <tbody>${(s.recentRuns||[]).map(f=>x`<tr><td>${f.name}</td><td>${R(f.scheduledTime)}</td><td>${f.trigger}</td>
          <td>${f.outcome}</td><td>${R(f.finishTime)}</td><td>${f.message||""}</td></tr>`)}</tbody></table>
    </section>
  </main>`}function Pt(e,t,n,r){let i=JSON.parse(JSON.stringify(e.spec));delete i.suspend,delete i.runToken,Object.assign(i,{mainApplicationFile:t.file||void 0,mainClass:t.className||void 0,arguments:n,image:t.image||void 0,sparkVersion:t.sparkVersion||void 0,sparkConf:r}),i.driver={...i.driver||{},memory:t.driverMemory||void 0},i.executor={...i.executor||{},memory:t.executorMemory||void 0,instances:t.numExecutors?Number(t.numExecutors):void 0};let o=Object.fromEntries(Object.entries(e.metadata.labels||{}).filter(([l])=>!l.startsWith("stoke.dev/")));return{apiVersion:"stoke.dev/v1alpha1",kind:"SparkApplication",metadata:t.name?{name:t.name,labels:o}:{generateName:`${e.metadata.name}-`,labels:o},spec:i}}function mt({ns:e,template:t}){let{items:n}=N(`${C(e)}/applications?q=${encodeURIComponent(t||"")}`),r=t&&n.get(t),[i,o]=k(null),[a,l]=k(null),c=i||(!t||r)&&(p=>({name:"",image:p&&p.spec.image||"",sparkVersion:p&&p.spec.sparkVersion||"",file:p&&p.spec.mainApplicationFile||"",className:p&&p.spec.mainClass||"",args:(p&&p.spec.arguments||[]).join(" "),driverMemory:p&&p.spec.driver&&p.spec.driver.memory||"",executorMemory:p&&p.spec.executor&&p.spec.executor.memory||"",numExecutors:p&&p.spec.executor&&p.spec.executor.instances||"",conf:Object.entries(p&&p.spec.sparkConf||{}).map(([h,$])=>`${h}=${$}`).join(`
`)}))(r);if(!c)return x`<main><p class="muted">Reading ${t}…</p></main>`;let _=p=>h=>o({...c,[p]:h.target.value}),d=p=>{p.preventDefault();let h=c.args.trim()?c.args.trim().split(/\s+/):void 0,$={};for(let S of c.conf.split(`
`).map(T=>T.trim()).filter(Boolean)){let T=S.indexOf("=");T>0&&($[S.slice(0,T).trim()]=S.slice(T+1).trim())}let b=Object.keys($).length>0,m=S=>M(`#/ns/${encodeURIComponent(e)}/apps/${encodeURIComponent(S.metadata.name)}`);if(r){A(`${C(e)}/applications`,Pt(r,c,h,b?$:void 0)).then(m,l);return}let f={file:c.file,name:c.name||void 0,className:c.className||void 0,args:h,image:c.image||void 0,sparkVersion:c.sparkVersion||void 0,driverMemory:c.driverMemory||void 0,executorMemory:c.executorMemory||void 0,numExecutors:c.numExecutors?Number(c.numExecutors):void 0,conf:b?$:void 0};A(`${C(e)}/submissions`,f).then(m,l)},s=(p,h,$="")=>x`<label>${h}<input id=${"f-"+p} value=${c[p]} placeholder=${$} onInput=${_(p)} /></label>`;return x`<main>
    <div class="toolbar"><h1>New application <span class="muted">in ${e}${t?` from ${t}`:""}</span></h1></div>
    <${E} error=${a} />
    <form class="submit" id="submit-form" onSubmit=${d}>
      ${s("name","Name","generated when empty")}
      ${s("file","Application file","local:///opt/spark/examples/jars/spark-examples.jar")}
      ${s("className","Main class","org.apache.spark.examples.SparkPi")}
      ${s("args","Arguments","separated by spaces")}
      ${s("image","Image","the server's default when empty")}
      ${s("sparkVersion","Spark version","read from the image tag when empty")}
      ${s("driverMemory","Driver memory","1g")}
      ${s("executorMemory","Executor memory","1g")}
      ${s("numExecutors","Executors","2")}
      <label>Spark properties<textarea id="f-conf" rows="4" value=${c.conf} onInput=${_("conf")} placeholder="spark.key=value, one per line"></textarea></label>
      <button type="submit" id="submit">Submit</button>
    </form>
  </main>`}var g=q.bind(H),ft={apps:"app",workflows:"workflow",schedules:"schedule"};function ht(e){let[t,n]=e.replace(/^#\/?/,"").split("?"),r=t.split("/").filter(Boolean).map(decodeURIComponent);return r[0]==="signin"?{page:"signin"}:r[0]==="ns"&&r[1]&&r[2]==="submit"?{page:"submit",ns:r[1],template:new URLSearchParams(n||"").get("template")||""}:r[0]==="ns"&&r[1]&&ft[r[2]]?r[3]?{page:ft[r[2]],ns:r[1],name:r[3]}:{page:r[2],ns:r[1]}:{page:"apps",ns:localStorage.getItem("stoke.namespace")||"default"}}function Mt(){let[e,t]=k(ht(location.hash));return U(()=>{let n=()=>t(ht(location.hash));return addEventListener("hashchange",n),()=>removeEventListener("hashchange",n)},[]),e}function Nt(){let[e,t]=k("");return g`<main class="signin">
    <h1>Sign in to Stoke</h1>
    <p>Paste a Kubernetes bearer token (for example <code>kubectl create token NAME</code>). It stays in this
      browser tab and is sent only to this server, which acts with your own rights.</p>
    <form onSubmit=${r=>{r.preventDefault(),F.signIn(e),M("#/")}}>
      <textarea id="token" rows="5" value=${e} onInput=${r=>t(r.target.value)}
        placeholder="eyJhbGciOi..." autocomplete="off" spellcheck="false"></textarea>
      <button type="submit" id="signin" disabled=${!e.trim()}>Sign in</button>
    </form>
  </main>`}function Dt({ns:e,page:t,who:n}){let[r,i]=k(e||"");U(()=>i(e||""),[e]);let o=l=>{l.preventDefault(),localStorage.setItem("stoke.namespace",r),M(`#/ns/${encodeURIComponent(r)}/apps`)},a=(l,u,c)=>g`<a class=${c.includes(t)?"tab on":"tab"} id=${"nav-"+l}
    href=${`#/ns/${encodeURIComponent(e)}/${l}`}>${u}</a>`;return g`<header>
    <a class="brand" href="#/">Stoke</a>
    <nav>${a("apps","Applications",["apps","app"])}${a("workflows","Workflows",["workflows","workflow"])}
      ${a("schedules","Schedules",["schedules","schedule"])}${a("submit","Submit",["submit"])}</nav>
    <form class="namespace" onSubmit=${o}>
      <label for="namespace">Namespace</label>
      <input id="namespace" value=${r} onInput=${l=>i(l.target.value)} />
    </form>
    <span class="muted" id="who" title=${(n.groups||[]).join(", ")}>${n.name}</span>
    <button class="link" id="signout" onClick=${()=>{F.signOut(),M("#/signin")}}>Sign out</button>
  </header>`}var Ft=["","Pending","Queued","Submitted","Running","Retrying","Succeeded","Failed","Suspended"];function Lt({ns:e}){let[t,n]=k(""),[r,i]=k(""),o=new URLSearchParams;t&&o.set("q",t),r&&o.set("phase",r);let a=`${C(e)}/applications?${o}`,{items:l,synced:u,error:c}=N(a),_=Se(()=>[...l.values()].sort((d,s)=>s.metadata.creationTimestamp.localeCompare(d.metadata.creationTimestamp)||d.metadata.name.localeCompare(s.metadata.name)),[l]);return g`<main>
    <div class="toolbar">
      <h1>Applications <span class="muted">in ${e}</span></h1>
      <input id="filter" placeholder="Filter by name, image, class" value=${t} onInput=${d=>n(d.target.value)} />
      <select id="phase" value=${r} onChange=${d=>i(d.target.value)}>
        ${Ft.map(d=>g`<option value=${d}>${d||"Any phase"}</option>`)}
      </select>
      <span class=${u?"live on":"live"} title="Live updates">${u?"live":"connecting"}</span>
    </div>
    <${E} error=${c} />
    ${!c&&g`<table class="apps" id="apps">
      <thead><tr><th>Name</th><th>Phase</th><th>Attempt</th><th>Executors</th><th>Type</th><th>Age</th></tr></thead>
      <tbody>
        ${_.map(d=>g`<tr key=${d.metadata.name} data-app=${d.metadata.name}
            onClick=${()=>M(`#/ns/${encodeURIComponent(e)}/apps/${encodeURIComponent(d.metadata.name)}`)}>
          <td><a href=${`#/ns/${encodeURIComponent(e)}/apps/${encodeURIComponent(d.metadata.name)}`}>${d.metadata.name}</a></td>
          <td><${j} phase=${d.status&&d.status.phase} /></td>
          <td>${d.status&&d.status.currentAttempt&&d.status.currentAttempt.number||"\u2013"}</td>
          <td>${d.status&&d.status.executors?`${d.status.executors.running||0}/${d.status.executors.requested||0}`:"\u2013"}</td>
          <td>${d.spec.type}</td>
          <td>${_e(d.metadata.creationTimestamp)}</td>
        </tr>`)}
      </tbody>
    </table>`}
    ${u&&!c&&_.length===0&&g`<p class="muted" id="empty">No applications${t||r?" match":""}.</p>`}
  </main>`}function Ot({ns:e,name:t,attempt:n,phase:r}){let[i,o]=k(""),[a,l]=k(null),u=rt(null),c=r==="Succeeded"||r==="Failed";return U(()=>{let d=new AbortController,s,p=()=>{o(""),l(null),Te(`${C(e)}/applications/${encodeURIComponent(t)}/logs?tail=200&follow=true`,d.signal,h=>o($=>($+h).slice(-2e5))).catch(h=>{d.signal.aborted||(l(h),c||(s=setTimeout(p,2e3)))})};return p(),()=>{d.abort(),clearTimeout(s)}},[e,t,n,c,r==="Running"]),U(()=>{u.current&&(u.current.scrollTop=u.current.scrollHeight)},[i]),g`<section>
    <h2>Driver log <span class="muted">(live, last 200 lines first)</span></h2>
    ${a?g`<p class="muted" id="log-problem">${a.message}</p>`:g`<pre class="log" id="log" ref=${u}>${i}</pre>`}
  </section>`}function Ht({ns:e,name:t}){let{items:n,synced:r,error:i}=N(`${C(e)}/applications?q=${encodeURIComponent(t)}`),o=n.get(t),[a,l]=k([]),[u,c]=k(null),_=o&&o.metadata.resourceVersion;if(U(()=>{o&&de(`${C(e)}/applications/${encodeURIComponent(t)}/events`).then(m=>l(m.items)).catch(()=>l([]))},[e,t,_]),i)return g`<main><${E} error=${i} /></main>`;if(!o)return g`<main><p class="muted">${r?`No application ${t} in ${e}.`:"Loading\u2026"}</p></main>`;let d=o.spec,s=o.status||{},p=[...s.pastAttempts||[],...s.currentAttempt?[s.currentAttempt]:[]].sort((m,f)=>f.number-m.number),h=m=>A(`${C(e)}/applications/${encodeURIComponent(t)}/${m}`).then(()=>c(null),c),$=s.phase==="Succeeded"||s.phase==="Failed",b=s.usage;return g`<main class="detail" data-app=${t}>
    <div class="toolbar">
      <h1><a href=${`#/ns/${encodeURIComponent(e)}/apps`}>Applications</a> / ${t}</h1>
      <${j} phase=${s.phase} />
      <span class="actions">
        ${d.suspend?g`<button onClick=${()=>h("resume")}>Resume</button>`:!$&&g`<button onClick=${()=>h("suspend")}>Suspend</button>`}
        ${$&&g`<button id="rerun" onClick=${()=>h("rerun")}>Rerun</button>`}
        <button id="new-from" onClick=${()=>M(`#/ns/${encodeURIComponent(e)}/submit?template=${encodeURIComponent(t)}`)}>New from this</button>
      </span>
    </div>
    <${E} error=${u} />
    <div class="columns">
      <section>
        <h2>Spec</h2>
        <${z} rows=${[["Type",d.type],["Spark",d.sparkVersion],["Image",d.image],["Main class",d.mainClass],["File",d.mainApplicationFile],["Arguments",(d.arguments||[]).join(" ")],["Driver",[d.driver&&d.driver.cores&&`${d.driver.cores} cores`,d.driver&&d.driver.memory].filter(Boolean).join(", ")],["Executors",[d.executor&&d.executor.instances&&`${d.executor.instances} \xD7`,d.executor&&d.executor.cores&&`${d.executor.cores} cores`,d.executor&&d.executor.memory].filter(Boolean).join(" ")],["Queue",d.queue]]} />
      </section>
      <section>
        <h2>Status</h2>
        <${z} rows=${[["Phase",s.phase||"Pending"],["Executors",s.executors&&`${s.executors.running||0} running of ${s.executors.requested||0}`],["Spark UI",g`<${jt} ns=${e} name=${t} status=${s} />`],["Cost",b&&`${b.driverCoreSeconds+b.executorCoreSeconds} core-s, ${b.driverMemoryGiBSeconds+b.executorMemoryGiBSeconds} GiB-s`],["Ended",s.terminationTime&&R(s.terminationTime)]]} />
      </section>
    </div>
    <section>
      <h2>Conditions</h2>
      <table id="conditions"><thead><tr><th>Type</th><th>Status</th><th>Reason</th><th>Message</th><th>Since</th></tr></thead>
        <tbody>${(s.conditions||[]).map(m=>g`<tr data-condition=${m.type}>
          <td>${m.type}</td><td>${m.status}</td><td>${m.reason}</td><td>${m.message}</td><td>${R(m.lastTransitionTime)}</td></tr>`)}
        </tbody></table>
    </section>
    <section>
      <h2>Attempts</h2>
      <table id="attempts"><thead><tr><th>#</th><th>Outcome</th><th>Exit code</th><th>Reason</th><th>Driver pod</th><th>Submitted</th><th>Ended</th></tr></thead>
        <tbody>${p.map(m=>g`<tr data-attempt=${m.number}>
          <td>${m.number}</td><td>${m.outcome||"running"}</td><td>${m.exitCode??"\u2013"}</td><td>${m.reason||""}</td>
          <td>${m.driverPodName||""}</td><td>${R(m.submissionTime)}</td><td>${R(m.endTime)}</td></tr>`)}
        </tbody></table>
    </section>
    <${Ot} ns=${e} name=${t} attempt=${s.currentAttempt&&s.currentAttempt.number} phase=${s.phase} />
    <section>
      <h2>Events</h2>
      <table id="events"><thead><tr><th>Type</th><th>Reason</th><th>Object</th><th>Message</th><th>Last seen</th></tr></thead>
        <tbody>${a.slice(-30).reverse().map(m=>g`<tr>
          <td>${m.type}</td><td>${m.reason}</td><td>${m.involvedObject.kind}/${m.involvedObject.name}</td><td>${m.message}</td>
          <td>${R(m.lastTimestamp||m.eventTime)}</td></tr>`)}
        </tbody></table>
    </section>
  </main>`}var Ue;function Wt(){let[e,t]=k({});return U(()=>{Ue=Ue||de("/api/v1/features").catch(()=>({})),Ue.then(t)},[]),e}function jt({ns:e,name:t,status:n}){let r=Wt(),i=n.currentAttempt,o=i&&i.driverPodName&&!i.outcome,a=[...n.pastAttempts||[],...i?[i]:[]].filter(u=>u.sparkApplicationID),l=!o&&r.historyServer&&a.length>0;return o||l?g`<form id="spark-ui" method="post" target="_blank" rel="noopener noreferrer"
        action=${`${C(e)}/applications/${encodeURIComponent(t)}/ui-session`}>
      <input type="hidden" name="token" value=${F.token()} />
      <button type="submit">${o?"Open the Spark UI":"Open in the History Server"}</button>
    </form>`:n.uiURL?g`<a href=${n.uiURL}>${n.uiURL}</a>`:n.uiAddress||""}function Bt({route:e}){switch(e.page){case"app":return g`<${Ht} ns=${e.ns} name=${e.name} />`;case"workflows":return g`<${ut} ns=${e.ns} />`;case"workflow":return g`<${dt} ns=${e.ns} name=${e.name} />`;case"schedules":return g`<${pt} ns=${e.ns} />`;case"schedule":return g`<${_t} ns=${e.ns} name=${e.name} />`;case"submit":return g`<${mt} ns=${e.ns} template=${e.template} />`;default:return g`<${Lt} ns=${e.ns} />`}}function Vt(){let e=Mt(),t=F.token(),[n,r]=k(void 0);return U(()=>{r(void 0),de("/api/v1/whoami").then(r,()=>r(null))},[t]),e.page==="signin"||n===null?g`<${Nt} />`:n===void 0?g`<main><p class="muted">Signing in…</p></main>`:g`<${Dt} ns=${e.ns} page=${e.page} who=${n} /><${Bt} key=${location.hash} route=${e} />`}Je(g`<${Vt} />`,document.getElementById("root"));
