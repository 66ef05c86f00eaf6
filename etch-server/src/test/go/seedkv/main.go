// The "#### kv" program from /work/shared/seed/etcd-notes.md, verbatim (only the package clause and
// the imports are added). It hard-codes 127.0.0.1:2379 and ends with a panic (index out of range on
// the Get of a key that does not exist), against real etcd too. Used by io.etch.process.SeedGoProgramIT.
// Build in GOPATH mode against Debian's golang-etcd-server-dev (etcd 3.4 sources).
package main

import (
	"context"
	"fmt"
	"time"

	"go.etcd.io/etcd/clientv3"
	"go.etcd.io/etcd/mvcc/mvccpb"
)

func main() {
	var (
		err error

		config clientv3.Config
		client *clientv3.Client

		/*kv：用于操作kv*/
		kv clientv3.KV

		/*KeyValue：保存etcd响应kv信息的结构体
		Key：键
		Value：值
		CreateRevision：创建时的Revision
		ModRevision：修改时的ModRevision  
		Version：kv的版本，等于该kv的put次数*/
		kvPair *mvccpb.KeyValue

		/*PutResponse：保存put响应信息的结构体
		Header：响应头信息，包括档次操作的 ClusterId集群id、MemberId节点id、Revision、RaftTerm等
		PrevKv：kv被put后的上一个kv信息，如果是put的是新的kv则prevKv=nil*/
		putResp *clientv3.PutResponse

		/*GetResponse：保存get响应信息的结构体
		Header：响应头信息
		Count：kv数量
		Kvs：kv数组*/
		getResp *clientv3.GetResponse

		/*DeleteResponse：保存del响应信息的结构体
		Header：响应头信息
		Deleted：删除的kv数量
		PrevKvs：删除的所有kv信息，kv数组*/
		delResp *clientv3.DeleteResponse

		/*OP：对get、put、del等操作做了抽象，用同样的调用方式执行不同的操作，返回相同的响应结构体*/
		putOp  clientv3.Op
		getOp  clientv3.Op
		opResp clientv3.OpResponse
	)

	/*客户端配置*/
	config = clientv3.Config{
		Endpoints:   []string{"127.0.0.1:2379"}, //集群地址
		DialTimeout: 5 * time.Second,            //连接超时时间
	}

	/*建立连接*/
	if client, err = clientv3.New(config); err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()
	fmt.Println("连接etcd成功")

	/*KV：提供操作 etcd kv 的相关功能*/
	kv = clientv3.NewKV(client)

	/*Put
	WithPrevKV：响应将带上PrevKv*/
	if putResp, err = kv.Put(context.TODO(), "/cron/jobs/job1", "JOB1"); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("put Revision:", putResp.Header.Revision)
	if putResp, err = kv.Put(context.TODO(), "/cron/jobs/job2", "JOB2", clientv3.WithPrevKV()); err != nil {
		fmt.Println(err)
		return
	}
	if putResp.PrevKv != nil {
		fmt.Println("put PrevKv:", string(putResp.PrevKv.Key), string(putResp.PrevKv.Value))
	}

	/*Get
	WithCountOnly：仅返回符合条件的个数
	WithPrefix：根据前缀获取kv
	WithFromKey：从某个key开始。配合WithLimit(n)获取从某个key开始的n个kv*/
	if getResp, err = kv.Get(context.TODO(), "/cron/jobs/job1"); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("get:", getResp.Count, getResp.Kvs)
	if getResp, err = kv.Get(context.TODO(), "/cron/jobs/", clientv3.WithPrefix()); err != nil {
		fmt.Println(err)
	}
	fmt.Println("get:", getResp.Count, getResp.Kvs)

	/*del
	WithPrevKV：返回删除的所有kv
	WithPrefix：删除带有某前缀的所有kv
	WithFromKey：删除从某个key开始的所有kv。配合WithLimit(n)则删除key开始的n个kv*/
	if delResp, err = kv.Delete(context.TODO(), "/cron/jobs/job2", clientv3.WithPrevKV()); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("del:", delResp.Deleted, delResp.PrevKvs)
	if len(delResp.PrevKvs) != 0 {
		for _, kvPair = range delResp.PrevKvs {
			fmt.Println("del:", string(kvPair.Key), string(kvPair.Value), kvPair.ModRevision)
		}
	}

	/*OpPut*/
	putOp = clientv3.OpPut("/cron/jobs/job3", "JOB3")           //创建操作
	if opResp, err = kv.Do(context.TODO(), putOp); err != nil { //执行操作
		fmt.Println(err)
		return
	}
	fmt.Println(opResp.Put().Header.Revision)

	/*OpGet*/
	getOp = clientv3.OpGet("/cron/jobs/job8")
	if opResp, err = kv.Do(context.TODO(), getOp); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(opResp.Get().Kvs[0].ModRevision, string(opResp.Get().Kvs[0].Value)) //创建时CreateRevision=ModRevision
}
